-- Content that failed to decode: SHA-256 -> the error, so identical bytes are not tried again.
SELECT sha256, any_value(error) FROM videos
WHERE status = 'failed' AND error_kind = 'decode' AND sha256 IS NOT NULL GROUP BY sha256;
