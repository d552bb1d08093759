"""Custom Rasa components of the helpline, installed into the Rasa environment.

Importing the package (Rasa does when it loads a model that uses its components) also makes
Rasa check action server responses with a validator built once (see `action_validation`), and
keeps message text out of the process's logs (see `logsafe`), and makes a turn fail when its
conversation cannot be read or saved instead of running on a blank one (see `strict_store`).
"""

from helpline_nlu import action_validation, logsafe, strict_store

action_validation.install()
strict_store.install()
logsafe.install()
logsafe.remember_user_messages()
