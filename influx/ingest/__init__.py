"""Ingest: read the CSV, fetch each video, sample frames, find faces, write them to the file."""
