using System.Threading.Channels;

namespace City.Central.Ingest;

/// <summary>
/// A message as received from the broker. <see cref="Payload"/> is null when the payload was larger
/// than allowed (it is not copied); <see cref="Length"/> is its size either way.
/// </summary>
internal readonly record struct IncomingMessage(string Topic, byte[]? Payload, int Length, bool Retained);

/// <summary>
/// The bounded queue between the MQTT client and the ingest worker. When it is full, the client's
/// handler waits, the client stops acknowledging to the broker, and the broker stops sending.
/// </summary>
internal sealed class IngestQueue
{
    private readonly Channel<IncomingMessage> channel;

    public IngestQueue(int capacity)
    {
        channel = Channel.CreateBounded<IncomingMessage>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public ChannelReader<IncomingMessage> Reader => channel.Reader;

    public ChannelWriter<IncomingMessage> Writer => channel.Writer;

    public int Depth => channel.Reader.Count;
}
