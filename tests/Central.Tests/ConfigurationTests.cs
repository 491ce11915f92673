using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace City.Central.Tests;

public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("--Central:Mqtt:Port=70000", "Central:Mqtt:Port")]
    [InlineData("--Central:Mqtt:Port=abc", "Central:Mqtt:Port")]
    [InlineData("--Central:Mqtt:Mode=cloud", "Central:Mqtt:Mode")]
    [InlineData("--Central:Mqtt:Host=not an address", "Central:Mqtt:Host")]
    [InlineData("--Central:HttpUrl=ftp://x", "Central:HttpUrl")]
    [InlineData("--Central:MaxPayloadBytes=0", "Central:MaxPayloadBytes")]
    [InlineData("--Central:Ingest:MaxBatchesPerCommit=0", "Central:Ingest:MaxBatchesPerCommit")]
    [InlineData("--Central:Ingest:QueueCapacity=-1", "Central:Ingest:QueueCapacity")]
    [InlineData("--Central:AllowedGateways:0=bad id", "Central:AllowedGateways:0")]
    [InlineData("--Central:DataPth=/tmp/x", "Central:DataPth")]
    [InlineData("--Central:Mqtt:Prot=1", "Central:Mqtt:Prot")]
    [InlineData("--Central:Mqtt:PlainPort=70000", "Central:Mqtt:PlainPort")]
    [InlineData("--Central:Mqtt:AllowPlain=maybe", "Central:Mqtt:AllowPlain")]
    [InlineData("--Central:Mqtt:ClientId=central-ingest", "Central:Mqtt:ClientId")]
    [InlineData("--Central:Mqtt:ClientId=central:", "Central:Mqtt:ClientId")]
    [InlineData("--Central:Mqtt:Tls:CaFile=", "Central:Mqtt:Tls:CaFile")]
    [InlineData("--Central:Mqtt:Tls:Key=x", "Central:Mqtt:Tls:Key")]
    [InlineData("--Central:AdmitRatePerMinute=0", "Central:AdmitRatePerMinute")]
    public void InvalidConfiguration_IsRefused_NamingTheKey(string argument, string key)
    {
        var app = CentralApp.Build([$"--Central:DataPath={CentralHost.NewDataPath()}", argument], out var errors);
        Assert.Null(app);
        Assert.Contains(errors, e => e.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void PlainPort_SameAsTheTlsPort_IsRefused()
    {
        Assert.Null(CentralApp.Build([$"--Central:DataPath={CentralHost.NewDataPath()}", "--Central:Mqtt:AllowPlain=true", "--Central:Mqtt:Port=18883", "--Central:Mqtt:PlainPort=18883"], out var errors));
        Assert.Contains(errors, e => e.StartsWith("Central:Mqtt:PlainPort", StringComparison.Ordinal));
    }

    [Fact]
    public void Defaults_AreSecure()
    {
        var options = new City.Central.Configuration.CentralOptions();
        Assert.Equal(8883, options.Mqtt.Port);
        Assert.False(options.Mqtt.AllowPlain);
        Assert.Equal(1883, options.Mqtt.PlainPort);
        Assert.Equal("central:ingest", options.Mqtt.ClientId);
        Assert.Equal(30, options.AdmitRatePerMinute);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public async Task ShippedConfiguration_ListensWithTlsOn8883_AndNotPlain()
    {
        var dataPath = CentralHost.NewDataPath();
        await using var app = CentralApp.Build([$"--Central:DataPath={dataPath}"], out var errors)
            ?? throw new InvalidOperationException(string.Join("; ", errors));
        var options = app.Services.GetRequiredService<IOptions<City.Central.Configuration.CentralOptions>>().Value;
        Assert.Equal(8883, options.Mqtt.Port);
        Assert.False(options.Mqtt.AllowPlain);
        Assert.Equal("central:ingest", options.Mqtt.ClientId);
        Directory.Delete(dataPath, recursive: true);
    }

    [Fact]
    public void ExternalMode_NeedsARealPort()
    {
        Assert.Null(CentralApp.Build(["--Central:Mqtt:Mode=external", "--Central:Mqtt:Port=0"], out var errors));
        Assert.Contains(errors, e => e.StartsWith("Central:Mqtt:Port", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvalidConfiguration_ExitsWithCode2()
    {
        Assert.Equal(2, await ProgramEntry.RunAsync(["--Central:Mqtt:Mode=cloud"]));
    }
}
