"""Faces: frames sampled from a video, found and encoded by a face model."""
