using City.Protocols.MBus;

namespace City.Edge.MBus;

/// <summary>
/// One client per M-Bus line, shared by every meter on it (the client serializes their requests). The port is opened on the
/// first request and opened again after an I/O error.
/// </summary>
internal sealed class MBusLines(TimeProvider time) : IDisposable
{
    private readonly Dictionary<string, MBusLineConnection> _lines = new(StringComparer.Ordinal);

    public MBusLineConnection For(MBusLineDefinition line)
    {
        lock (_lines)
        {
            if (!_lines.TryGetValue(line.Name, out var connection))
            {
                connection = new MBusLineConnection(line, time);
                _lines[line.Name] = connection;
            }

            return connection;
        }
    }

    public void Dispose()
    {
        lock (_lines)
        {
            foreach (var connection in _lines.Values)
            {
                connection.Dispose();
            }

            _lines.Clear();
        }
    }
}

/// <summary>A line's port and client: <see cref="ClientAsync"/> opens the port when it is closed; <see cref="Reset"/> closes it after an I/O error.</summary>
internal sealed class MBusLineConnection(MBusLineDefinition line, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private MBusSerialTransport? _transport;
    private MBusClient? _client;

    public MBusLineDefinition Line { get; } = line;

    public async Task<MBusClient> ClientAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is null)
            {
                _transport = MBusSerialTransport.Open(Line.Serial, time);
                _client = new MBusClient(_transport, new MBusClientOptions { Retries = Line.Retries });
            }

            return _client;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the port if <paramref name="client"/> is still the current one; the next request opens it again.</summary>
    public void Reset(MBusClient client)
    {
        _gate.Wait();
        try
        {
            if (ReferenceEquals(client, _client))
            {
                _transport?.Dispose();
                _transport = null;
                _client = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _transport?.Dispose();
        _gate.Dispose();
    }
}
