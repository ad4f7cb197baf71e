"""Identity: group faces into people, keep their ids, apply the user's corrections."""
