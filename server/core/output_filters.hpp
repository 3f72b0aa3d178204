// Filters the core runs on every response after the handler: conditional requests
// (RFC 9110 section 13), ranges (section 14), and error bodies.
#pragma once

#include "http/request.hpp"
#include "response.hpp"
#include "router.hpp"

namespace quire::core {

// Evaluates preconditions and Range for a 200 response that carries validators.
void apply_conditional_and_range(const http::RequestHead& request, Response& response);

// Gives an error response (status >= 400) with an empty body its page: the mount's custom
// page, else the vhost's, else a short built-in HTML page.
void apply_error_page(Response& response, const Mount* mount, const VirtualHost* host);

} // namespace quire::core
