"""Reports: the QualityReport model and what people and tools read of it.

json_report (the contract), html (call page, batch overview), markdown (trainee's feedback),
feedback (what both say to the trainee), summary (the batch's rows and rates), charts, wording.
"""
