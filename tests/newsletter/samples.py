"""A sample release in every language of the network, for the newsletter tests."""

from __future__ import annotations

from pathlib import Path

from b40news.newsletter.render import CityBrand, Newsletter

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "src" / "b40news" / "email_templates"
SITE = "https://b40.example.org"
LOGO = f"{SITE}/media/logos/stara-zagora.png"

CITY_NAMES = {
    "bg": "Стара Загора", "mk": "Стара Загора", "sr-Cyrl": "Стара Загора",
    "el": "Στάρα Ζαγόρα", "tr": "Eski Zağra",
}

# (title, first paragraph, second paragraph)
TEXTS: dict[str, tuple[str, str, str]] = {
    "bg": (
        "Стара Загора участва в Петата среща на върха на B40 в Загреб",
        "Заместник-кметът Надежда Чакърова представя Стара Загора на Петата среща на върха на мрежата на балканските градове B40, която се провежда в Загреб, Хърватия.",
        "Основната тема на тазгодишната среща е „Градовете като двигатели на устойчивото развитие“: зеленият преход, интелигентното градско развитие и културата.",
    ),
    "en": (
        "Stara Zagora takes part in the Fifth B40 Summit in Zagreb",
        "Deputy Mayor Nadezhda Chakarova represents Stara Zagora at the Fifth Summit of the B40 Balkan Cities Network, held in Zagreb, Croatia.",
        "This year's main theme is “Cities as drivers of sustainable development”: the green transition, smart urban development and culture.",
    ),
    "hr": (
        "Stara Zagora sudjeluje na Petom summitu mreže B40 u Zagrebu",
        "Zamjenica gradonačelnika Nadežda Čakarova predstavlja Staru Zagoru na Petom summitu Mreže balkanskih gradova B40, koji se održava u Zagrebu.",
        "Glavna tema ovogodišnjeg susreta je „Gradovi kao pokretači održivog razvoja”: zelena tranzicija, pametni urbani razvoj i kultura.",
    ),
    "sr-Cyrl": (
        "Стара Загора учествује на Петом самиту мреже B40 у Загребу",
        "Заменица градоначелника Надежда Чакарова представља Стару Загору на Петом самиту Мреже балканских градова B40, који се одржава у Загребу, у Хрватској.",
        "Главна тема овогодишњег сусрета је „Градови као покретачи одрживог развоја”: зелена транзиција, паметан урбани развој и култура.",
    ),
    "sr-Latn": (
        "Stara Zagora učestvuje na Petom samitu mreže B40 u Zagrebu",
        "Zamenica gradonačelnika Nadežda Čakarova predstavlja Staru Zagoru na Petom samitu Mreže balkanskih gradova B40, koji se održava u Zagrebu, u Hrvatskoj.",
        "Glavna tema ovogodišnjeg susreta je „Gradovi kao pokretači održivog razvoja”: zelena tranzicija, pametan urbani razvoj i kultura.",
    ),
    "bs": (
        "Stara Zagora učestvuje na Petom samitu mreže B40 u Zagrebu",
        "Zamjenica gradonačelnika Nadežda Čakarova predstavlja Staru Zagoru na Petom samitu Mreže balkanskih gradova B40, koji se održava u Zagrebu, u Hrvatskoj.",
        "Glavna tema ovogodišnjeg susreta je „Gradovi kao pokretači održivog razvoja“: zelena tranzicija, pametan urbani razvoj i kultura.",
    ),
    "cnr": (
        "Stara Zagora učestvuje na Petom samitu mreže B40 u Zagrebu",
        "Zamjenica gradonačelnika Nadežda Čakarova predstavlja Staru Zagoru na Petom samitu Mreže balkanskih gradova B40, koji se održava u Zagrebu, u Hrvatskoj.",
        "Glavna tema ovogodišnjeg susreta je „Gradovi kao pokretači održivog razvoja“: zelena tranzicija, pametan urbani razvoj i kultura.",
    ),
    "mk": (
        "Стара Загора учествува на Петтиот самит на мрежата B40 во Загреб",
        "Заменик-градоначалничката Надежда Чакърова ја претставува Стара Загора на Петтиот самит на Мрежата на балкански градови B40, кој се одржува во Загреб, Хрватска.",
        "Главната тема на годинешната средба е „Градовите како двигатели на одржливиот развој“: зелената транзиција, паметниот урбан развој и културата.",
    ),
    "sq": (
        "Stara Zagora merr pjesë në Samitin e Pestë të rrjetit B40 në Zagreb",
        "Zëvendëskryetarja e bashkisë Nadezhda Çakarova përfaqëson Stara Zagorën në Samitin e Pestë të Rrjetit të Qyteteve Ballkanike B40, që mbahet në Zagreb, Kroaci.",
        "Tema kryesore e takimit të këtij viti është „Qytetet si motorë të zhvillimit të qëndrueshëm“: tranzicioni i gjelbër, zhvillimi i zgjuar urban dhe kultura.",
    ),
    "el": (
        "Η Στάρα Ζαγόρα συμμετέχει στην Πέμπτη Σύνοδο Κορυφής του δικτύου B40 στο Ζάγκρεμπ",
        "Η αντιδήμαρχος Ναντέζντα Τσακάροβα εκπροσωπεί τη Στάρα Ζαγόρα στην Πέμπτη Σύνοδο Κορυφής του Δικτύου Βαλκανικών Πόλεων B40, που πραγματοποιείται στο Ζάγκρεμπ της Κροατίας.",
        "Κεντρικό θέμα της φετινής συνάντησης είναι «Οι πόλεις ως κινητήριες δυνάμεις της βιώσιμης ανάπτυξης»: η πράσινη μετάβαση, η έξυπνη αστική ανάπτυξη και ο πολιτισμός.",
    ),
    "tr": (
        "Eski Zağra, Zagreb'deki Beşinci B40 Zirvesi'ne katılıyor",
        "Belediye başkan yardımcısı Nadejda Çakarova, Hırvatistan'ın Zagreb kentinde düzenlenen B40 Balkan Şehirleri Ağı Beşinci Zirvesi'nde Eski Zağra'yı temsil ediyor.",
        "Bu yılki toplantının ana teması “Sürdürülebilir kalkınmanın itici gücü olarak şehirler”: yeşil dönüşüm, akıllı kentsel gelişim ve kültür.",
    ),
    "ro": (
        "Stara Zagora participă la cel de-al cincilea summit B40 de la Zagreb",
        "Viceprimarul Nadejda Ciakarova reprezintă orașul Stara Zagora la cel de-al cincilea summit al Rețelei Orașelor Balcanice B40, care are loc la Zagreb, în Croația.",
        "Tema principală a întâlnirii din acest an este „Orașele ca motoare ale dezvoltării durabile”: tranziția verde, dezvoltarea urbană inteligentă și cultura.",
    ),
    "sl": (
        "Stara Zagora sodeluje na petem vrhu mreže B40 v Zagrebu",
        "Podžupanja Nadežda Čakarova zastopa Staro Zagoro na petem vrhu Mreže balkanskih mest B40, ki poteka v Zagrebu na Hrvaškem.",
        "Osrednja tema letošnjega srečanja je »Mesta kot gonila trajnostnega razvoja«: zeleni prehod, pametni urbani razvoj in kultura.",
    ),
}
LANGUAGES = tuple(TEXTS)


def city(language: str, colour: str = "#0a7d3b") -> CityBrand:
    return CityBrand("stara-zagora", CITY_NAMES.get(language, "Stara Zagora"), colour, LOGO)


def newsletter(language: str, **changes) -> Newsletter:
    title, first, second = TEXTS[language]
    fields = dict(
        language=language,
        city=city(language),
        list_name=f"B40 · {city(language).name}",
        title=title,
        paragraphs=(first, second),
        original_url=f"{SITE}/r/17/bg/",
        archive_url=f"{SITE}/r/17/{language}/?city=stara-zagora&v=2",
        machine_translated=language != "bg",
    )
    fields.update(changes)
    return Newsletter(**fields)


RECIPIENT = {
    "unsubscribe_url": f"{SITE}/u/k7Hq2?list=stara-zagora&lang=mk",
    "preferences_url": f"{SITE}/p/k7Hq2",
    "recipient_email": "petar@example.org",
}

# Full-length releases, for checks whose result depends on the amount of text
# (SpamAssassin's MIXED_ES weighs Latin "e" in URLs against Cyrillic "е").
SEED = REPO.parent / "shared" / "seed" / "release-stara-zagora-b40-summit.bg.txt"
FULL_MK = (
    "Заменик-градоначалничката на Општина Стара Загора задолжена за образование и младински активности, Надежда Чакърова, учествува на Петтиот самит на Мрежата на балкански градови B40, кој се одржува во Загреб, Република Хрватска. На покана на градоначалникот на градот Загреб, Општина Стара Загора е претставена на форумот како активна членка на мрежата B40, која ги обединува градовите од Балканскиот регион со цел да се поттикне меѓуградската соработка и да се развијат заеднички решенија за клучни теми од јавен интерес. Од Бугарија, покрај Стара Загора, учествуваат и општините Софија, Варна, Тројан, Сливен, Карлово и Димитровград.",
    "Главната тема на годинешниот самит е „Градовите како двигатели на одржливиот развој“, а дискусиите се фокусирани на зелената транзиција, одржливиот и паметен урбан развој, културните и креативните индустрии, туризмот и регионалната соработка. Форумот нуди платформа за дијалог, размена на добри практики и споделување искуства меѓу локалните власти за заедничките предизвици и приоритети.",
    "Во рамките на средбата е предвидена и тркалезна маса на тема „Градовите како столбови на демократската отпорност“, организирана со поддршка на Eurocities. На неа учествуваат политички лидери од градовите членки на мрежата B40, кои разговараат за улогата на локалната власт во зајакнувањето на демократските процеси, инклузивното управување и активното учество на граѓаните.",
    "За време на форумот, градовите Варна, Бурса и Тузла потпишаа декларации за членство и официјално се приклучија кон мрежата, основана во 2021 година на иницијатива на градоначалникот на Истанбул. Според ротацискиот принцип на управување, градот Загреб го презеде претседавањето со мрежата B40 од градот Софија.",
    "Петтиот самит на B40 во Загреб собира претставници на 38 градови од 11 балкански држави, меѓу кои седум бугарски општини, како и претставници на четири организации набљудувачи – ICLEI Europe, B40 Network – Istanbul Metropolitan Municipality како постојан секретаријат на мрежата, Union of Municipalities of Türkiye и Националното здружение на општините во Република Бугарија.",
    "Иницијативата B40 ги поддржува локалните власти во Балканскиот регион и ја поттикнува соработката за справување со клучните предизвици, како што се изградбата на одржливи и еколошки градови, примената на инклузивни и демократски модели на управување, користењето паметни технологии за подобрување на квалитетот на животот, како и зачувувањето и промоцијата на културното наследство и вредностите на регионот.",
)


def full_release(language: str) -> tuple[str, ...]:
    if language == "bg":
        return tuple(p.strip() for p in SEED.read_text(encoding="utf-8").split("\n\n") if p.strip())
    if language == "mk":
        return FULL_MK
    return TEXTS[language][1:]
