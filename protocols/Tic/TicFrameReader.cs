namespace City.Protocols.Tic;

/// <summary>
/// Reads frames from a byte stream (a <see cref="TicSerialLine"/>, a pty, a TCP-to-serial converter): the transport layer
/// over <see cref="TicFrameDecoder"/>. The first frame it returns is the first one whose STX it saw. Not thread-safe.
/// </summary>
public sealed class TicFrameReader(Stream stream, TicMode? mode = null)
{
    private readonly Stream _stream = stream ?? throw new ArgumentNullException(nameof(stream));
    private readonly Queue<TicFrame> _ready = new();
    private readonly byte[] _buffer = new byte[512];

    public TicFrameDecoder Decoder { get; } = new(mode);

    /// <summary>Bytes received so far.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>
    /// The next frame (whole or interrupted). Throws <see cref="EndOfStreamException"/> when the stream ends, and
    /// whatever the stream throws (an I/O error, cancellation).
    /// </summary>
    public async Task<TicFrame> ReadFrameAsync(CancellationToken cancellationToken)
    {
        while (_ready.Count == 0)
        {
            int count = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                throw new EndOfStreamException("The TIC line was closed.");
            }

            BytesReceived += count;
            foreach (TicFrame frame in Decoder.Feed(_buffer.AsSpan(0, count)))
            {
                _ready.Enqueue(frame);
            }
        }

        return _ready.Dequeue();
    }
}
