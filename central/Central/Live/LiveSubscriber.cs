using System.Threading.Channels;

namespace City.Central.Live;

/// <summary>
/// One stream client: its filter, what it replays first (a resume, or the reset that says it cannot), and a bounded
/// channel the hub fills without waiting. When the channel is full the hub drops the client: <see cref="Dropped"/> is
/// the final reset to send, and the channel is completed.
/// </summary>
internal sealed class LiveSubscriber
{
    private readonly Channel<LiveMessage> _channel;
    private LiveMessage? _dropped;

    public LiveSubscriber(LiveFilter filter, int capacity, IReadOnlyList<LiveMessage> replay)
    {
        Filter = filter;
        Replay = replay;
        _channel = Channel.CreateBounded<LiveMessage>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public LiveFilter Filter { get; }

    /// <summary>Sent before anything of <see cref="Reader"/>: the messages after the client's Last-Event-ID, or one reset.</summary>
    public IReadOnlyList<LiveMessage> Replay { get; }

    public ChannelReader<LiveMessage> Reader => _channel.Reader;

    /// <summary>The final reset of a client dropped for being slow, or null.</summary>
    public LiveMessage? Dropped => Volatile.Read(ref _dropped);

    /// <summary>Queues a message without waiting; false when the client's buffer is full (or it was closed).</summary>
    internal bool TryOffer(LiveMessage message) => _channel.Writer.TryWrite(message);

    internal void Drop(LiveMessage reset)
    {
        Volatile.Write(ref _dropped, reset);
        _channel.Writer.TryComplete();
    }

    internal void Close() => _channel.Writer.TryComplete();
}
