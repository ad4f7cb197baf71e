"""influx: who are the people in these videos, and how well do they perform?"""
