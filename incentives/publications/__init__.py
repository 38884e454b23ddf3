"""Publications: honour rolls and rankings as frozen snapshots, with a public page and a poster."""
