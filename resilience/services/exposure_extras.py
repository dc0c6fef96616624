"""Extra sections of an alert's exposure answer, contributed by apps built on resilience.

resilience knows nothing of them: an app registers `provider(alert, network) -> dict` from its
AppConfig.ready (power adds the active sites whose grid supply lies in the alert area), and the
exposure endpoint merges what they return into its answer (detail callers only).
"""
providers: list = []


def register(provider) -> None:
    if provider not in providers:
        providers.append(provider)


def extras(alert, network) -> dict:
    data: dict = {}
    for provider in providers:
        data.update(provider(alert, network))
    return data
