"""The venues' wire formats as violet reads them, sans-IO (bytes in, events out): shared by the live adapters and
the history adapter that replays raw recorded frames (adapters never import each other). The simulators write these
formats with their own code, never this package's (an import-linter contract): a parser and the peer that tests it
must not share a mistake."""
