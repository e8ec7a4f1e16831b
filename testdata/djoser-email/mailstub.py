"""Stands in for Djoser's mail classes (see settings.py): records nothing, sends nothing."""


class Message:
    def __init__(self, request=None, context=None, *args, **kwargs):
        pass

    def send(self, to, *args, **kwargs):
        pass
