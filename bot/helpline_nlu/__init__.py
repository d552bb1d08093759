"""Custom Rasa components of the helpline, installed into the Rasa environment.

Importing the package (Rasa does when it loads a model that uses its components) also makes
Rasa check action server responses with a validator built once (see `action_validation`), and
keeps message text out of the process's logs (see `logsafe`).
"""

from helpline_nlu import action_validation, logsafe

action_validation.install()
logsafe.install()
logsafe.remember_user_messages()
