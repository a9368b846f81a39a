"""OpenID Connect single sign-on: log in through the organisation's identity provider."""
