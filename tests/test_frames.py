"""A worker's messages over its pipe: sending never blocks the worker, and every message
arrives whole and in order however the pipe cut them."""

import fcntl
import os
import threading

from parevm.frames import Inbox, Outbox


def _messages(pipe_size):
    """More than the pipe holds: numbered batches of 4 KiB each."""
    return [("outcomes", index, os.urandom(4096)) for index in range(2 * pipe_size // 4096 + 8)]


def _pipe():
    read, write = os.pipe()
    return Inbox(read), Outbox(write), fcntl.fcntl(write, fcntl.F_GETPIPE_SZ)


def test_a_full_pipe_does_not_block_the_sender():
    """Nobody reads (the parent is executing a transaction of its own): sending returns, and
    what the pipe could not take goes out with pushes once the parent reads."""
    inbox, outbox, size = _pipe()
    sent = _messages(size)
    sender = threading.Thread(target=lambda: [outbox.send(message) for message in sent], daemon=True)
    sender.start()
    sender.join(10)
    assert not sender.is_alive(), "send blocked on a full pipe"
    assert outbox.unsent, "the pipe took everything: the test sent too little"
    received = []
    while outbox.unsent:
        received += inbox.receive()
        outbox.push()
    received += inbox.receive()
    assert received == sent
    outbox.close()
    assert inbox.receive() == [] and inbox.ended and not inbox.cut_off
    inbox.close()


def test_close_writes_what_is_unsent():
    """The worker's last messages: close waits for the parent to read them all."""
    inbox, outbox, size = _pipe()
    sent = _messages(size)
    for message in sent:
        outbox.send(message)
    received = []

    def read_to_the_end():
        while not inbox.ended:
            received.extend(inbox.receive())

    reader = threading.Thread(target=read_to_the_end, daemon=True)
    reader.start()
    outbox.close()
    reader.join(10)
    assert not reader.is_alive()
    assert received == sent and not inbox.cut_off
    inbox.close()
