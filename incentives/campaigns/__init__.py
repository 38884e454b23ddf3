"""Campaigns (活动) launched by Women's Federation (妇联) and Youth League (团委) staff over many
villages, each paying its awards from a sponsor-funded budget in the ledger."""
