using System.Threading.Channels;

namespace City.Protocols.Dali.Tests;

/// <summary>Two connected in-memory streams: what one end writes, the other reads (a null-modem cable in memory).</summary>
internal static class InMemoryDuplex
{
    public static (Stream Host, Stream Device) Create()
    {
        var toDevice = Channel.CreateUnbounded<byte[]>();
        var toHost = Channel.CreateUnbounded<byte[]>();
        return (new End(toHost.Reader, toDevice.Writer), new End(toDevice.Reader, toHost.Writer));
    }

    private sealed class End(ChannelReader<byte[]> incoming, ChannelWriter<byte[]> outgoing) : Stream
    {
        private byte[] _pending = [];
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _pending.Length)
            {
                if (!await incoming.WaitToReadAsync(cancellationToken))
                {
                    return 0;
                }

                if (incoming.TryRead(out var next))
                {
                    _pending = next;
                    _offset = 0;
                }
            }

            int count = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            outgoing.TryWrite(buffer.ToArray());
            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => outgoing.TryWrite(buffer.AsSpan(offset, count).ToArray());

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            outgoing.TryComplete();
            base.Dispose(disposing);
        }
    }
}
