using System.Threading.Channels;

namespace City.Central.Commands;

/// <summary>A command result as received on city/v1/{gateway}/cmd-result: the topic's gateway (the broker's rules let only
/// that gateway publish there) and the payload, not yet parsed; null when it was larger than allowed (not copied).</summary>
internal readonly record struct ReceivedResult(string Gateway, byte[]? Payload);

/// <summary>
/// The bounded queue between the MQTT client and the command worker: when it is full the client's handler waits, so
/// the broker gets no PUBACK and stops sending (backpressure, as for the ingest queue).
/// </summary>
internal sealed class CommandResultQueue
{
    public const int DefaultCapacity = 10_000;

    private readonly Channel<ReceivedResult> _channel;

    public CommandResultQueue(int capacity = DefaultCapacity)
    {
        _channel = Channel.CreateBounded<ReceivedResult>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public ChannelWriter<ReceivedResult> Writer => _channel.Writer;

    public ChannelReader<ReceivedResult> Reader => _channel.Reader;

    public int Depth => _channel.Reader.Count;
}
