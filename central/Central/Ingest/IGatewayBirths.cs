namespace City.Central.Ingest;

/// <summary>
/// Told by the ingest worker when a gateway's birth has been committed and its state published (online): the command
/// service implements it and sends what waited for the gateway. Must not block.
/// </summary>
internal interface IGatewayBirths
{
    void BirthCommitted(string gatewayId);
}
