"""Running the quarterly pipeline: its declaration, the step functions notebooks call, and the runner."""
