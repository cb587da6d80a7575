"""Process supervision for the main job: simulators and the feed process as children."""
