"""Reading the parties' own drafts (Word files) into the neutral paragraphs that core.structure recognises."""
