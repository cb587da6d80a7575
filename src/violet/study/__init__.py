"""Studies a researcher runs over a recording, through the same ports a reactor reads (`violet study ...`)."""
