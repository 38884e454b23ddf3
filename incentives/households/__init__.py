"""Staff pages for households: lists, a household's card, login slips, roster import."""
