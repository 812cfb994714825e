vivid-join = Join us
