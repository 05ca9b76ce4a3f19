"""Work-order pages, one module per audience: `employer` (the console: orders, dispatch
board), `worker` (the H5: order hall, my orders, the steps on site, points,
notifications) and `files` (order attachments). Mounted by `work_orders.urls`.
"""
