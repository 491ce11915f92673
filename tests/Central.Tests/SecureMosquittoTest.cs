namespace City.Central.Tests;

/// <summary>
/// A test class of its own mosquitto per test: Debian's mosquitto 2.0 run with the configuration <c>central mosquitto-config</c>
/// writes, and central's PKI in a fresh data directory.
/// </summary>
public abstract class SecureMosquittoTest : IAsyncLifetime
{
    private SecureMosquitto? _mosquitto;

    protected string DataPath { get; } = CentralHost.NewDataPath();

    private protected TestPki Pki { get; private set; } = null!;

    private protected SecureMosquitto Broker => _mosquitto ?? throw new InvalidOperationException("mosquitto did not start");

    public async Task InitializeAsync()
    {
        Pki = TestPki.Create(DataPath);
        _mosquitto = await SecureMosquitto.StartAsync(DataPath);
    }

    public async Task DisposeAsync()
    {
        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }

        if (Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }
    }
}
