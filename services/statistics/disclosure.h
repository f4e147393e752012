#pragma once

// Disclosure control of statistics answered to callers below province scope (the way official
// statistics suppress small cells). Pure: no gRPC, no I/O.
//
// Primary suppression: a figure that counts at least one and fewer than `threshold` people (or
// applications, obligations, cases) is withheld. Zero is shown: it says nobody is in the cell.
// Complementary suppression: figures that add up to a total a reader knows or can compute (the rows
// of one breakdown add up to the total; the deregistration reasons to the deregistrations; the
// channels of a column, and the rejection reasons, to the period's figure; a report's rows inside
// its region to the region's row) form a group. While a group has exactly one withheld figure, or
// withheld figures whose sum is below the threshold, its smallest non-zero figure still shown is
// withheld too (a zero one when none is left), so that the total minus the shown figures does not
// reveal a withheld one, nor pin down a small sum. Groups are assumed to have known totals (the
// pessimistic case), so each group is protected on its own.
//
// A withheld figure reads 0 and is marked (`suppressed`, `suppressed_fields`, the report's
// suppressed cells). With `threshold` 1 or less nothing is withheld (province scope: exact).
//
// Not covered (README, Disclosure control): differences between calls (two days of one county, a
// city and all but one of its counties asked separately); the scope check and the audit log are
// the controls there.

#include <cstdint>
#include <utility>
#include <vector>

#include "services/statistics/report_table.h"
#include "unemployment/statistics/v1/statistics_service.pb.h"

namespace unemployment::statistics {

// The default of --disclosure_threshold.
inline constexpr int64_t kDefaultDisclosureThreshold = 5;

// Which of `values` to withhold: primary suppression below `threshold`, then complementary
// suppression within each group (indexes into `values`; a value may be in several groups).
std::vector<bool> SuppressCells(const std::vector<int64_t>& values,
                                const std::vector<std::vector<size_t>>& groups, int64_t threshold);

// The same applied to each answer (figures withheld read 0 and are marked).
void SuppressUrban(v1::GetUrbanRegisteredUnemployedResponse* response, int64_t threshold);
void SuppressBreakdown(v1::GetBreakdownResponse* response, int64_t threshold);
void SuppressFlows(v1::GetFlowsResponse* response, int64_t threshold);
void SuppressIndicators(v1::GetServiceIndicatorsResponse* response, int64_t threshold);
// A report table: withheld cells become empty (nullopt) and are marked in ReportRow::suppressed;
// the groups are ReportTable::groups.
void SuppressTable(ReportTable* table, int64_t threshold);

}  // namespace unemployment::statistics
