"""Argument parsing the commands share."""

from __future__ import annotations


class TrailingFile:
    """A command mixin: the optional positional FILE may also come after the options.

    argparse gives an optional positional only the arguments before the first
    option (``export 3 --language hr FILE`` would leave FILE over): a single
    FILE after the options is taken too; anything else is an error.
    """

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def parse_args(args=None, namespace=None):
            options, extra = parser.parse_known_args(args, namespace)
            if len(extra) == 1 and not extra[0].startswith("-") and getattr(options, "file", "") is None:
                options.file = extra[0]
            elif extra:
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            return options

        parser.parse_args = parse_args
        return parser
