"""`influx review`: a local web page to check and correct the people."""
