"""The LLM engine every model call goes through: client, request cache, rate limits, retries, batches, costs."""
