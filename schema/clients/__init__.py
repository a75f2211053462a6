"""The partner clients feature's GraphQL layer: an account's owners list, create, rotate
and disable the OAuth clients their partners read the account with."""
