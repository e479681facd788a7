"""The for-you ranking's edges: embedding backends (an API, a local ONNX model) and where a reader's profile lives."""
