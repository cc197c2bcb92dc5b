"""The order events as subscribers see them: delivered messages checked against the published
contract (api/events.asyncapi.yaml), and an example subscriber."""
