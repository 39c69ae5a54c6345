"""One router per resource; `policykg.api.main.create_app` includes them all."""
