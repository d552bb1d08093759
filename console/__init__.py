"""The casework console: logins and roles, the entitlement checker and the listings admin."""
