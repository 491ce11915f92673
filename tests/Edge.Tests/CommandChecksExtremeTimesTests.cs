using System.Security.Cryptography;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Commands;
using City.Edge.Configuration;
using City.Edge.Devices;
using Google.Protobuf;

namespace City.Edge.Tests;

/// <summary>
/// Regression vectors of the contract-command fuzz target (tests/Fuzzing): a command's times are int64 and any of them
/// can arrive, signed or not. Before the fix an instant outside DateTimeOffset's years 1-9999 made the refusal's text
/// throw ArgumentOutOfRangeException, and not_after near long.MaxValue wrapped round into "expired".
/// </summary>
public sealed class CommandChecksExtremeTimesTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);
    private readonly ECDsa _central = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly CommandChecks _checks;

    public CommandChecksExtremeTimesTests() =>
        _checks = new CommandChecks(ECDsa.Create(_central.ExportParameters(false)), "gw-001", TimeSpan.FromSeconds(30), new EdgeSettings(new EdgeOptions(), []), []);

    public void Dispose()
    {
        _checks.Dispose();
        _central.Dispose();
    }

    // SignedCommand bytes as the fuzz harness replays them (body: id "c0ffee", gateway "gw-001" and the times named).
    [Theory]
    [InlineData("not_after -2^62", "0A1B0A06633066666565120667772D303031208080808080808080C001", CommandRejections.Expired)]
    [InlineData("issued_at and not_after 2^62", "0A240A06633066666565120667772D3030311880808080808080804020808080808080808040", CommandRejections.Expired)]
    [InlineData("not_after long.MaxValue", "0A1A0A06633066666565120667772D30303120FFFFFFFFFFFFFFFF7F", null)]
    public void Extreme_times_are_refused_or_accepted_with_a_reason_never_thrown(string description, string hex, string? reason)
    {
        var received = SignedCommand.Parser.ParseFrom(Convert.FromHexString(hex));
        var signed = new SignedCommand { Body = received.Body, Signature = ByteString.CopyFrom(_central.SignData(received.Body.Span, HashAlgorithmName.SHA256)) };

        var refusal = _checks.Verify(signed, Now, out var body);

        Assert.True(reason == refusal?.Reason, $"{description}: {refusal?.Reason} {refusal?.Detail}");
        Assert.NotNull(CommandChecks.Describe(body));
        Assert.Equal(CommandRejections.Signature, _checks.Verify(received, Now, out _)?.Reason);
    }

    [Theory]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void An_override_until_any_instant_is_described(long until)
    {
        var body = new CommandBody { Id = "c0ffee", GatewayId = "gw-001", LightingOverride = new LightingOverrideAction { Line = "lights", Group = 1, LevelPercent = 50, UntilUnixMs = until } };

        Assert.Contains("until", CommandChecks.Describe(body), StringComparison.Ordinal);
    }
}
