// c2m: <glm/gtc/type_ptr.hpp> (make_vec*, make_mat*, value_ptr) lives in glm.hpp
#pragma once
#include "../glm.hpp"
