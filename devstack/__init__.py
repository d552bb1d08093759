"""The development stack: train the model when its inputs change, start and supervise the processes.

Not runtime code: `make run`, `make train`, the end-to-end tests and the benchmarks use it;
`helpline.serve`, the gateway and the action server never import it.
"""
