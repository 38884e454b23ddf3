"""Reports and dashboards for township and county staff, as pages and XLSX downloads."""
