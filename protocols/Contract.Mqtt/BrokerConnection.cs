namespace City.Contract.Mqtt;

/// <summary>How one client of the contract reaches the broker: address, identity and link timing.</summary>
public sealed record BrokerConnection(string Host, int Port, string ClientId)
{
    /// <summary>
    /// SO_RCVBUF and SO_SNDBUF of the connection. MQTTnet always sets both to its BufferSize, 8 KiB by default,
    /// which fixes the kernel buffers and turns off their autotuning. A receive window that small is below one
    /// segment on loopback (MSS 64 KiB): once the broker holds a backlog for a client, its kernel can only send in
    /// window-sized pieces on the persist/retransmit timer (about 5 per second), and throughput collapses to tens of
    /// messages per second (seen against mosquitto); on a real link it caps a drain at window/RTT. Linux caps the
    /// value at net.core.rmem_max/wmem_max.
    /// </summary>
    public const int DefaultSocketBufferBytes = 1024 * 1024;

    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long connecting (and each packet exchange MQTTnet times) may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    public int SocketBufferBytes { get; init; } = DefaultSocketBufferBytes;

    /// <summary>TLS with the broker's certificate checked against a CA of our own (and a client certificate); plain TCP when null.</summary>
    public BrokerTls? Tls { get; init; }

    /// <summary>With <see cref="Tls"/>: told why the broker's certificate was refused (the connection then fails with an AuthenticationException).</summary>
    public Action<string>? UntrustedBroker { get; init; }

    /// <summary>Sent only when set.</summary>
    public string? Username { get; init; }

    public string? Password { get; init; }

    public override string ToString() => $"{Host}:{Port}";
}
