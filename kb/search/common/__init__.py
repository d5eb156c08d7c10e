"""What both search backends share, importing neither (nor Whoosh, nor a database driver).

``parsing`` turns what a user typed into query units and "did you mean"; ``text`` (with the ``accents``
table) says what a word is and how it folds; ``spelling`` which words a vocabulary keeps and how many
typos a word may have; ``ranking`` what each kind of match is worth; ``synonyms`` reads the synonyms
file; ``highlight`` marks matches in escaped text.
"""
