"""callqa: offline quality scoring of recorded call-centre calls.

The stages, in the order data flows through them:
audio -> activity (voice activity, silence gaps) -> asr -> diarize -> roles -> transcript
-> detectors -> scoring -> report.  `analysis.analyse` chains them for one call and
`batch.run_batch` for many; `cli` is the thin command-line shell around both.
"""

__version__ = "0.1.0"
