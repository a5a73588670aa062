"""The sign-up limit, one budget per client address shared by the sign-up page and the API."""

from rest_framework.throttling import AnonRateThrottle


class SignupThrottle(AnonRateThrottle):
    rate = "30/hour"
