using System.Threading.Channels;

namespace City.Central.Ingest;

/// <summary>
/// The bounded queue between the MQTT client and the ingest worker. When it is full, the client's
/// handler waits, the client stops acknowledging to the broker, and the broker stops sending.
/// </summary>
internal sealed class IngestQueue
{
    private readonly Channel<IncomingMessage> _channel;

    public IngestQueue(int capacity)
    {
        _channel = Channel.CreateBounded<IncomingMessage>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    public ChannelReader<IncomingMessage> Reader => _channel.Reader;

    public ChannelWriter<IncomingMessage> Writer => _channel.Writer;

    public int Depth => _channel.Reader.Count;
}
