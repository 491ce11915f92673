using City.Contract.Mqtt;

namespace City.Central.Mqtt;

/// <summary>Where the ingest client connects: the embedded broker once it listens, or the external one.</summary>
internal sealed class BrokerEndpoint
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Host { get; private set; } = string.Empty;

    public int Port { get; private set; }

    /// <summary>The CA, certificate and key central's ingest client connects with; null: plain (external mode with AllowPlain).</summary>
    public BrokerTls? Tls { get; set; }

    /// <summary>Completes when <see cref="Host"/> and <see cref="Port"/> are known.</summary>
    public Task Ready => _ready.Task;

    public void Set(string host, int port)
    {
        Host = host;
        Port = port;
        _ready.TrySetResult();
    }
}
