"""The Evaluate tab: how the model in use does on the test set.

Accuracy overall and per digit, the confusion matrix (a cell lists its images), the mistakes, a
map of the test set (with the sketch being drawn placed on it) and robustness curves. The work
runs in an :class:`~app.evaluate.evaluation_worker.EvaluationWorker` thread; the maths is
:mod:`nn.insight`.
"""
