"""``conflictkg serve``: the web app run by Granian in forked worker processes, with the
workers recycled when they must not go on. The top of the flow: it may import any layer.
"""
