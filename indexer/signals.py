"""Domain signals of the indexer's sources, for writes that send no `post_save`.

`rows_saved` is sent by bulk writers inside their transaction (sender: the model class,
`rows`: the saved instances); `changes_committed` is sent after a transaction that recorded
outbox entries commits."""

from django.dispatch import Signal

rows_saved = Signal()
changes_committed = Signal()
